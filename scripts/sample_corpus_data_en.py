"""English documents of the sample corpus (see ``make_sample_corpus.py``).

Every document here was written for this project. The people, companies, outlets and
events are fictional; real cities and countries appear only as settings. Texts are
wrapped for reading: within a paragraph, line breaks become single spaces; a blank line
separates paragraphs.

Each entry is ``(title, source, published, text)`` with ``published`` as ``YYYY-MM-DD``.
"""

DOCS: list[tuple[str, str, str, str]] = [
    (
        "Halvorsen Robotics to Buy Danish Lidar Maker Veltrix for $410 Million",
        "Northgate Business Wire",
        "2024-02-13",
        """
OSLO — Halvorsen Robotics said on Tuesday that it has agreed to acquire Veltrix, a lidar
sensor maker based in Aarhus, Denmark, for $410 million in cash. Ingrid Solberg, chief
executive of Halvorsen, told analysts that the purchase would let the company build its
warehouse robots around its own sensors instead of buying them from suppliers in Asia.
Veltrix was founded in 2016 by physicist Mads Kjeldgaard, who will stay on as head of
Halvorsen's new sensing division in Aarhus. The deal still needs approval from competition
authorities and is expected to close by September.
""",
    ),
    (
        "Battery Startup Lumenfold Raises $85 Million in Round Led by Tidewater Capital",
        "Pacific Rim Dispatch",
        "2024-03-05",
        """
SAN DIEGO — Lumenfold Energy, a startup developing sodium-ion batteries for home storage,
has raised $85 million in a Series C round led by Tidewater Capital. Greyfield Ventures and
the Kestrel Fund, both existing investors, also took part. Lumenfold was founded in 2019 by
materials scientists Priya Raman and Oscar Delgado, who met as researchers at a university
lab in Pasadena. Raman, the company's chief executive, said the money will pay for a pilot
factory in Reno, Nevada, due to open next spring. Helen Oduya, a partner at Tidewater, will
join Lumenfold's board.
""",
    ),
    (
        "Brightwater Bank Names Samuel Achterberg Chief Risk Officer",
        "Meridian Daily Post",
        "2023-11-20",
        """
LONDON — Brightwater Bank has appointed Samuel Achterberg as chief risk officer, effective
January 1, the lender said on Monday. Achterberg, 52, spent eleven years at rival Carrow &
Finch, most recently as head of credit risk for its Frankfurt branch. He replaces Moira
Fenwick, who is retiring after a 30-year career at Brightwater. Chairman Robert Ilesworth
said Achterberg's experience in commercial property lending would be valuable as the bank
expands its business in Manchester and Leeds.
""",
    ),
    (
        "Marlowe Foods Sues Kansas Mill Over Contaminated Flour",
        "Harbor Ledger",
        "2024-05-22",
        """
CHICAGO — Marlowe Foods has filed a lawsuit in federal court in Chicago against Prairie
Gold Milling, its former flour supplier, seeking $27 million in damages. The complaint says
flour delivered from Prairie Gold's mill in Wichita, Kansas, last October was contaminated
with mold, forcing Marlowe to recall 1.4 million boxes of crackers from stores in twelve
states. Marlowe's general counsel, Denise Harrow, said the supplier had ignored repeated
warnings from quality inspectors. Prairie Gold chief executive Walter Brandt said in a
statement that the company "rejects these claims and will defend itself vigorously."
""",
    ),
    (
        "Magnitude 6.2 Earthquake Shakes Southern Peru",
        "Pacific Rim Dispatch",
        "2023-08-14",
        """
AREQUIPA, Peru — A magnitude 6.2 earthquake struck about 40 kilometres north of Arequipa
early on Sunday, damaging older adobe houses and cutting power to several districts. The
regional emergency office reported two deaths and at least 57 injuries. Tomás Huarcaya,
head of the office, said rescue teams from Cusco and Lima had arrived by midday. Andes
Copper Partners, which runs an open-pit mine in the area, suspended operations for 48 hours
to inspect its tailings dams. Aftershocks of up to magnitude 4.5 were felt through the
afternoon.
""",
    ),
    (
        "Morava River Floods Force Evacuations Near Olomouc",
        "Meridian Daily Post",
        "2024-09-16",
        """
OLOMOUC, Czech Republic — About 3,000 people were evacuated from villages along the Morava
River on Saturday after three days of heavy rain pushed water levels to their highest in two
decades. Jana Kubíčková, who leads the regional fire and rescue service, said boats were
being used to reach families in the town of Litovel. Hanák Steelworks halted production at
its plant south of Olomouc after the site's lower yard flooded. Emergency crews from Brno and
the Slovak city of Žilina joined the rescue effort, and the regional government promised
emergency payments to affected households.
""",
    ),
    (
        "Corvid Labs Unveils Foldable E-Reader in Berlin",
        "Northgate Business Wire",
        "2024-01-24",
        """
BERLIN — Seattle-based Corvid Labs unveiled the Quill Fold, an e-reader with a folding
10-inch screen, at a launch event in Berlin on Wednesday. Chief executive Marcus Bellweather
said the device weighs 290 grams and lasts six weeks on a single charge. The screens are made
by Tainan Precision Display in Taiwan, and final assembly takes place at a partner factory in
Penang, Malaysia. The Quill Fold will go on sale in Germany, France and Japan in March at a
price of 349 euros, with a U.S. launch planned for the summer.
""",
    ),
    (
        "Kenyan Flower Growers Visit Rotterdam in Search of a Sea Route",
        "Continental Trade Review",
        "2023-06-08",
        """
ROTTERDAM — A delegation of Kenyan flower exporters led by Amani Wekesa, chair of the
Naivasha Growers Association, spent two days in Rotterdam this week meeting logistics
companies. The group toured a refrigerated terminal run by Deltaport Logistics and held talks
with Dutch auction house Bloemhof Veiling about shipping cut roses by sea instead of air.
Wekesa said a sea route from Mombasa could cut transport costs by nearly half. Deltaport's
commercial director, Pieter van Oosten, said both sides hoped to sign a trial agreement
before the end of the year.
""",
    ),
    (
        "Former Aerolux Engineers Launch Drone Inspection Startup in Toulouse",
        "Continental Trade Review",
        "2024-04-03",
        """
TOULOUSE — Two former engineers from aircraft parts maker Aerolux Systems have founded
Skyhatch, a company that uses small drones to inspect wind turbines and bridges. Claire
Montfort, Skyhatch's chief executive, and Julien Aubry, its technical director, left Aerolux
last year after working together on its flight-control software team. The startup has raised
4 million euros in seed funding from Garonne Partners, a Bordeaux venture firm, and has
signed its first contract with Vents du Sud, which operates 140 turbines in the Occitanie
region.
""",
    ),
    (
        "Pinecrest and Ridgeway Health Systems Agree to Merge",
        "The Lakeside Courier",
        "2023-10-02",
        """
DENVER — Pinecrest Health and Ridgeway Medical Group, two of Colorado's largest hospital
operators, announced on Monday that they will merge to form a system with 19 hospitals and
about 41,000 employees. The combined group will be called Front Range Health and will be
based in Denver. Pinecrest chief executive Laura Mendenhall will lead the new company, while
Ridgeway's chief executive, Dr. Kevin Oyelaran, will become president and chief medical
officer. The merger must still be reviewed by state regulators and is expected to be
completed in mid-2024.
""",
    ),
    (
        "Saffron Route Logistics Raises $220 Million in Mumbai Listing",
        "Pacific Rim Dispatch",
        "2024-06-19",
        """
MUMBAI — Saffron Route Logistics, a trucking and warehousing company based in Pune, raised
about $220 million in its initial public offering, pricing its shares at the top of the
range. Managing director Anjali Mehrotra said demand came largely from domestic mutual funds
and from Lakeview Sovereign Partners, a Singapore-based investor that bought 8 percent of the
offering. Founded in 2008 by her father, Ravindra Mehrotra, the company operates 60
warehouses across Maharashtra, Gujarat and Karnataka. The shares rose 14 percent on their
first day of trading.
""",
    ),
    (
        "Tovari Motors Recalls 48,000 Electric Scooters Over Brake Defect",
        "Meridian Daily Post",
        "2024-07-10",
        """
MILAN — Tovari Motors is recalling about 48,000 electric scooters sold in Italy, Spain and
Austria after finding that the rear brake cable can loosen during long rides. The Milan-based
company said it had received reports of 23 minor accidents but no serious injuries. Chief
operating officer Giulia Ferrante said owners can have the part replaced free of charge at
any of the company's 310 service partners. The faulty cables were supplied by Brenner
Components, a manufacturer in Innsbruck, Austria, which said it was cooperating with
Tovari's investigation.
""",
    ),
    (
        "Dockworkers' Strike Halts Container Traffic in Valparaíso",
        "Pacific Rim Dispatch",
        "2023-12-05",
        """
VALPARAÍSO, Chile — Container traffic at the port of Valparaíso came to a halt on Tuesday as
about 1,200 dockworkers began an indefinite strike. The Pacific Stevedores' Union is
demanding higher night-shift pay from Cordillera Terminals, which operates two of the port's
main berths. Union leader Héctor Saavedra said talks had broken down after the company
offered a raise of 3 percent. Cordillera's chief executive, Felipe Aránguiz, warned that the
strike would delay fruit exports to China and the United States during the peak cherry
season.
""",
    ),
    (
        "Quarrystone Wins A$1.2 Billion Rail Tunnel Contract in Melbourne",
        "Harbor Ledger",
        "2024-08-27",
        """
MELBOURNE — Brisbane-based Quarrystone Infrastructure has won a A$1.2 billion contract to
build twin rail tunnels under Melbourne's northern suburbs, the Metro North Link Authority
said on Tuesday. Quarrystone will carry out the project with Osaka-based tunnelling
specialist Kanzaki Engineering. Construction will begin in early 2025 and employ about 1,500
workers. Quarrystone's managing director, Fiona Clarkson, said two tunnel boring machines
would be shipped from Kanzaki's factory in Kobe next year.
""",
    ),
    (
        "Nordvik Shipping Chief Resigns After Audit Finds Accounting Errors",
        "Meridian Daily Post",
        "2024-02-28",
        """
BERGEN — Lars Eidsvåg has resigned as chief executive of Nordvik Shipping after an external
audit found errors in how the company booked charter income over the past two years. The
Bergen-based tanker operator said finance director Sigrid Holm would serve as interim chief
executive while the board searches for a permanent replacement. The audit was carried out by
Fjell & Partners, an accounting firm in Oslo. Board chair Anders Myklebust said the errors
had overstated profit by about 90 million kroner and that restated accounts would be
published in April.
""",
    ),
    (
        "Gulfcrest Holdings Takes 40% Stake in Moroccan Solar Project",
        "Continental Trade Review",
        "2023-09-12",
        """
ABU DHABI — Gulfcrest Holdings, an Abu Dhabi investment company, has bought a 40 percent
stake in a 300-megawatt solar farm being built near Midelt in central Morocco. The project is
being developed by Atlas Sunworks, a Casablanca company founded in 2014 by engineer Youssef
Benali. Gulfcrest did not disclose the price, but two people familiar with the deal put it at
about $150 million. Benali said the plant would begin supplying power to the national grid in
2025 and that the Spanish contractor Solmar Ibérica would build the site.
""",
    ),
    (
        "Lyon Welcomes Biotech Delegation from Wuhan",
        "Meridian Daily Post",
        "2023-05-17",
        """
LYON — A delegation of 25 executives from biotech companies in Wuhan, China, visited Lyon on
Thursday to explore research partnerships with French vaccine and diagnostics firms. The
visit was organized by the Rhône Valley Life Sciences Cluster and led by Zhou Linfeng, vice
president of Wuhan-based Jianghan BioPharm. The group toured laboratories in Lyon's Gerland
district and met executives from Vaxalis, a diagnostics company with 800 employees in the
region. Hélène Varrault, the cluster's director, said at least three joint research
agreements could be signed by the autumn.
""",
    ),
    (
        "Orbis Audio Sues Echelon Sound Over Noise-Cancelling Patent",
        "Northgate Business Wire",
        "2024-03-28",
        """
WILMINGTON, Delaware — Headphone maker Orbis Audio has sued its rival Echelon Sound, accusing
it of copying patented noise-cancelling technology. The lawsuit, filed in federal court in
Delaware, claims that Echelon's best-selling Nimbus 3 headphones use a microphone design that
Orbis patented in 2020. Orbis is based in Austin, Texas, and Echelon in San Jose, California.
Orbis chief legal officer Rachel Kimura said the company was seeking damages and a ban on
sales of the Nimbus 3 in the United States. Echelon spokesman Tom Barrie said the claims were
"without merit."
""",
    ),
    (
        "Meseta Telecom Agrees to Buy Portuguese Fiber Operator",
        "Continental Trade Review",
        "2024-05-07",
        """
MADRID — Spanish telecoms group Meseta Telecom has agreed to buy Fibra Atlântica, a fiber
broadband operator based in Porto, Portugal, for 230 million euros including debt. Fibra
Atlântica serves about 310,000 households in northern Portugal and was founded in 2012 by
the brothers Rui and Tiago Mourão. Meseta chief executive Carmen Olazábal said the deal was
the company's first outside Spain and would be followed by investments in Lisbon and Braga.
The Mourão brothers, who own 55 percent of the company, will receive part of the payment in
Meseta shares.
""",
    ),
    (
        "Elmbridge University Appoints Nkechi Adebayo-Rowe as Vice-Chancellor",
        "The Lakeside Courier",
        "2023-07-04",
        """
NOTTINGHAM — Elmbridge University has named Professor Nkechi Adebayo-Rowe as its next
vice-chancellor, the first woman to hold the post in the university's 120-year history.
Adebayo-Rowe, a chemical engineer born in Lagos, Nigeria, is currently provost of the Halden
Institute of Technology in Glasgow. She will take up the role in September, succeeding
Geoffrey Palling, who has led Elmbridge since 2013. The chair of the university council,
Margaret Osei, said the appointment followed an international search that drew more than 60
candidates.
""",
    ),
    (
        "Typhoon Closes Kaohsiung Port and Grounds Flights in Southern Taiwan",
        "Pacific Rim Dispatch",
        "2023-07-19",
        """
KAOHSIUNG — A strong typhoon brought winds of up to 160 kilometres per hour to southern
Taiwan on Wednesday, closing the port of Kaohsiung and cancelling more than 200 flights.
City officials said more than 80,000 homes lost power. Container carrier Jade Strait Shipping
said it had moved 14 vessels to anchorages offshore, and chip packaging company Southpoint
Semiconductor closed its Kaohsiung plant for a day as a precaution. Lin Wei-chen, deputy head
of the city's emergency operations centre, said schools would remain closed on Thursday.
""",
    ),
    (
        "Greenleaf Agritech Launches Drought-Tolerant Sorghum Seed in Ghana",
        "Continental Trade Review",
        "2024-04-22",
        """
ACCRA — Greenleaf Agritech, a seed company headquartered in Nairobi, launched a
drought-tolerant sorghum variety for farmers in northern Ghana on Monday. The seed, called
Savanna Gold, was developed over six years with the Kumasi Crop Research Centre and yields
about 30 percent more grain in dry seasons, according to trials near Tamale. Greenleaf's West
Africa director, Kwame Asante-Boateng, said the company would sell it through 400
agro-dealers. The launch was attended by representatives of the Harvest Bridge Foundation, a
charity that funded part of the research.
""",
    ),
    (
        "Helix Bio Opens $300 Million Biologics Plant in Singapore",
        "Pacific Rim Dispatch",
        "2023-11-08",
        """
SINGAPORE — Helix Bio, a Boston-based maker of antibody drugs, opened a $300 million
manufacturing plant in Singapore's Tuas industrial area on Wednesday. The facility will
employ about 450 people and produce medicines for patients in Asia and Australia. Chief
executive Nathan Greaves said Singapore was chosen for its skilled workforce and strong
protection of intellectual property. The plant was built by local contractor Lionstone
Engineering, and Helix has agreed to train graduates in partnership with the Straits
Polytechnic Institute.
""",
    ),
    (
        "Ferncastle Retail Enters Administration, Putting 2,100 Jobs at Risk",
        "Meridian Daily Post",
        "2024-01-15",
        """
MANCHESTER — Ferncastle Retail, a chain of 84 home furnishing stores across northern England,
has entered administration after failing to secure new funding. Administrators from Pryor
Lowe Advisory said all stores would remain open while they look for a buyer. Ferncastle was
founded in 1978 by Harold Ferncastle with a single shop in Stockport. Its chief executive,
Naomi Clegg, blamed weak consumer spending and higher rents. About 2,100 employees are
affected, and the rival chain Oakhurst Living has already expressed interest in buying some
of the stores.
""",
    ),
    (
        "Arctic Shipping Forum Opens in Tromsø as Ice Routes Expand",
        "Harbor Ledger",
        "2023-10-24",
        """
TROMSØ, Norway — More than 600 shipping executives, scientists and officials gathered in
Tromsø on Tuesday for the three-day Arctic Shipping Forum, organized by the Northern Sea
Council. In the opening speech, Captain Erik Lindqvist, operations director of the Swedish
ice-class carrier Polarline, warned that insurance costs for Arctic voyages had doubled since
2021. Researchers from the Fram Ocean Institute presented new ice forecasts, and the
Icelandic port operator Reykjanes Harbours announced a partnership with Polarline to build a
fuel depot near Akureyri.
""",
    ),
    (
        "Dublin Court Orders Vantage Air to Compensate Stranded Passengers",
        "Meridian Daily Post",
        "2024-06-04",
        """
DUBLIN — A court in Dublin on Friday ordered the budget airline Vantage Air to pay about 12
million euros to passengers whose flights were cancelled during a pilots' dispute in 2022.
The case was brought by the consumer group Fair Skies Ireland on behalf of 31,000 travellers.
Judge Siobhán Carey ruled that the airline had failed to offer timely rebooking. Vantage Air,
which is based in Cork, said it would study the ruling. Its chief executive, Declan
Moriarty, had argued in court that the cancellations were caused by circumstances beyond the
company's control.
""",
    ),
    (
        "Boreal Games Acquires Edinburgh Indie Studio Mossbank",
        "Northgate Business Wire",
        "2023-08-30",
        """
MONTREAL — Video game publisher Boreal Games has acquired Mossbank Studios, the Edinburgh
developer behind the puzzle hit Lantern Tides, for an undisclosed sum. Mossbank was founded in
2015 by Eilidh MacRae and Tobias Brandt, and its 45 staff will remain in Scotland. Boreal
chief executive Jean-Philippe Lavoie said the studio would get a bigger budget for its next
game, planned for 2025. The rival publisher Northlight Interactive had also made an offer for
Mossbank earlier this year, according to people close to the talks.
""",
    ),
    (
        "Aurelia Pharma Partners with Basel Institute on Rare Disease Drugs",
        "Continental Trade Review",
        "2024-02-06",
        """
BASEL — Aurelia Pharma, a mid-sized drugmaker based in Antwerp, Belgium, signed a five-year
research partnership with the Rhine Medical Institute in Basel on Tuesday to develop
treatments for rare metabolic disorders. Aurelia will invest 60 million Swiss francs in the
programme and receive the rights to any drugs it produces. The institute's director,
Professor Ursula Brändli, said about 40 researchers would work on the project. Aurelia's head
of research, Pieter Claes, said the first clinical trials could begin in 2027.
""",
    ),
    (
        "Monsoon Floods Shut Garment Factories in Chattogram",
        "Pacific Rim Dispatch",
        "2024-07-29",
        """
CHATTOGRAM, Bangladesh — Days of monsoon rain flooded large parts of Chattogram's export
processing zone on Sunday, forcing dozens of garment factories to close. Bay Thread Apparel,
which employs 6,000 workers and makes clothing for European retailers, said water had reached
its warehouses and damaged fabric worth about $2 million. Managing director Farhana Chowdhury
said production would resume once the water receded. Local officials said more than 20,000
residents were moved to shelters, and the Dhaka-based charity Rivers of Hope sent medical
teams to the worst-hit neighbourhoods.
""",
    ),
    (
        "Obsidian Capital Hires Former Tech Executive to Run Asia Fund",
        "Harbor Ledger",
        "2023-12-12",
        """
HONG KONG — Obsidian Capital, a private equity firm headquartered in New York, has hired
Daniel Cheung to lead its new $1.5 billion Asia technology fund. Cheung was previously chief
strategy officer at Jadewave, a Shenzhen-based maker of smartphone components, where he
oversaw acquisitions in South Korea and Vietnam. He will be based in Hong Kong and report to
Obsidian's co-founder, Victoria Hale. The firm said it had also opened an office in Singapore
and hired two investment directors from its rival Peakline Partners.
""",
    ),
    (
        "Earthquake Damages Wineries Near Mendoza Ahead of Harvest",
        "Continental Trade Review",
        "2024-03-18",
        """
MENDOZA, Argentina — A magnitude 5.8 earthquake struck the province of Mendoza late on
Saturday, cracking storage tanks at several wineries just days before the grape harvest.
Bodega Cerro Ventoso, one of the region's largest producers, said it lost about 400,000 litres of
wine when two steel tanks split. Owner Martín Echeverría said the company would rent tanks
from neighbours to handle this year's harvest. The provincial civil defence office reported
eleven people with minor injuries, and engineers from the Andean Seismic Observatory were sent
to check dams on the Mendoza River.
""",
    ),
    (
        "Tanzanian Coffee Cooperative Signs Supply Deal in Hamburg",
        "Harbor Ledger",
        "2023-06-27",
        """
HAMBURG — The Kilimanjaro Highland Growers' Cooperative signed a three-year supply agreement
with the Hamburg roaster Elbe Kaffeerösterei during a visit by its leaders to Germany this
week. Under the deal, the roaster will buy up to 900 tonnes of arabica beans a year at a
guaranteed minimum price. Cooperative chairman Joseph Mushi said the agreement would benefit
about 7,000 small farmers around Moshi. Elbe's managing director, Katrin Vogelsang, said the
company would also help pay for a new coffee washing station in the village of Uru.
""",
    ),
    (
        "Northstar Pension Plan Invests $600 Million in Texas Wind Developer",
        "Northgate Business Wire",
        "2024-09-10",
        """
TORONTO — Northstar Pension Plan, which manages retirement savings for 380,000 public
employees in Canada, has agreed to invest $600 million in Bluebonnet Wind, a renewable energy
developer based in Austin, Texas. The investment gives Northstar a 35 percent stake and a
seat on the board. Bluebonnet chief executive Ray Castillo said the money would help build
four wind farms near Abilene and Lubbock. Northstar's head of infrastructure, Mei-Ling Tan,
said the plan wanted more exposure to power assets in the United States.
""",
    ),
    # --- long documents (over 2,000 characters) ---
    (
        "Meridian Harbour Group 2023 Annual Review: Revenue Up 11% on European Expansion",
        "Northgate Business Wire",
        "2024-03-21",
        """
SINGAPORE — Meridian Harbour Group, the port and logistics company headquartered in
Singapore, published its annual review for 2023 on Thursday, reporting revenue of $4.8
billion, up 11 percent from the previous year, and net profit of $612 million. The following
summary is based on the review and on comments made by executives at a briefing for
investors.

Leadership. Chairman Tan Boon Huat wrote in his letter to shareholders that 2023 had been "a
year of building rather than harvesting." In April the board appointed Arjun Vaswani,
previously head of the group's terminals in India, as chief operating officer. In October the
long-serving chief financial officer, Elena Marchetti, retired and was succeeded by Grace
Lim, who joined from the accounting firm Whitcombe Partners, where she led its transport
practice. Chief executive Olivia Wentworth, who has led the company since 2019, will remain
in her role until at least 2026.

Acquisitions and investments. The largest transaction of the year was the $540 million
purchase of Baltica Terminals, which operates container berths in Gdańsk, Poland, and
Klaipėda, Lithuania. The deal closed in July after approval from competition regulators.
Meridian also invested $75 million for a 20 percent stake in Coldline Africa, a refrigerated
warehousing start-up based in Durban, South Africa, that was founded in 2020 by former
shipping executive Thabo Nkosi. In Vietnam, the group formed a joint venture with Saigon
River Logistics to build an inland container depot near Ho Chi Minh City, with construction
due to finish in 2025.

Operations. Container volumes handled across the group's 27 terminals rose to 41 million
units. Operations at the terminal in Port Klang, Malaysia, were disrupted for nine days in
December, when flooding closed the main access roads; the review puts the cost at $18
million. A new automated yard at the group's terminal in Rotterdam opened in September,
three months ahead of schedule, and was inaugurated by Wentworth together with the Dutch
contractor Van der Berg Havenbouw, which built it.

Legal matters. The review notes that Meridian remains in a dispute with the Brazilian
dredging contractor Costa Verde Engenharia, which filed a lawsuit in São Paulo in 2022
claiming $96 million for unpaid work at the port of Santos. Meridian rejects the claim and
has filed a counterclaim over delays. A court hearing is scheduled for the second half of
2024. Separately, a complaint by the Gdańsk dockworkers' union over shift schedules was
settled in November.

Outlook. For 2024, the company expects revenue growth of between 6 and 8 percent and plans
capital spending of $1.1 billion, much of it on electric cranes and shore power at its
European terminals. Wentworth told investors that the group would consider further
acquisitions in West Africa and the Middle East, and that talks with port authorities in
Dakar, Senegal, were "at an early stage." The annual general meeting will be held in
Singapore on April 25.
""",
    ),
    (
        "After the Water: How a Zaragoza Neighbourhood Rebuilt a Year After the Ebro Flood",
        "Meridian Daily Post",
        "2024-11-02",
        """
ZARAGOZA, Spain — A year ago this week, the Ebro River rose nearly six metres in two days and
poured into the low-lying streets on Zaragoza's northern bank. Shops, workshops and a primary
school were flooded up to shoulder height. Today the smell of wet plaster is gone, but the
people who lived through the flood still measure time by it.

Lucía Serrano, 58, has run a bakery near the old stone bridge for 26 years. On the night of
October 29, she and her son Álvaro carried sacks of flour to the upper floor until the water
reached the staircase. "We saved the flour and lost the ovens," she says. The bakery reopened
in March with two new ovens bought with a loan from Caja Moncayo, a regional savings bank
that offered interest-free credit to more than 400 flooded businesses.

The largest employer in the district, Industrias Lasheras, makes aluminium window frames and
employs 350 people. Its chief executive, Javier Lasheras, decided within a week to move the
company's machinery to a new site on higher ground in the town of Cuarte de Huerva, about
ten kilometres south. The move cost 14 million euros, part of which was covered by the
insurer Mutua Pirenaica. "We could not ask our workers to go through that twice," Lasheras
says. About 40 employees who could not commute to the new plant were offered jobs at a
partner company in the city.

The flood also exposed weaknesses in the river defences. An independent report commissioned
by the regional government and written by engineers from the consultancy Hidrotec Ingenieros
found that one section of embankment had not been inspected since 2009. The report's lead
author, civil engineer Marta Gimeno, recommended raising the embankment by 1.2 metres and
restoring a wetland upstream to absorb high water. Work on the wetland began in June and is
being carried out by the construction firm Obras Cierzo.

Not everyone is satisfied. A group of 120 residents, represented by the lawyer Ignacio
Beltrán, has filed a lawsuit against the regional water authority, arguing that evacuation
warnings were issued too late. The authority's president, Rosa Larraz, has said the river
rose faster than any forecast predicted and that the warning system has since been upgraded.
The case is expected to reach court in early 2025.

For many, recovery has been a matter of neighbours helping neighbours. The amateur football
club CD Arrabal turned its clubhouse into a food bank during the first month, and students
from a local engineering college helped elderly residents fill in insurance forms. Teacher
Pilar Ortiz, whose school stayed closed until January, held lessons in a parish hall lent by
Father Tomás Aznar.

On a recent morning, Serrano stood outside her bakery watching the river, now calm and low.
A small brass plate on her doorframe marks the height the water reached. "I put it there so
my grandchildren would believe me," she says. "And so that nobody in this city forgets to
keep the walls high."
""",
    ),
]
